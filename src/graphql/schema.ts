// Importing each type file registers its types and root fields on the builder.
import './scalars.js';
import './account.js';
import './payment-intent.js';
import './checkout-session.js';
import './checkout-session-snapshot.js';
import './events.js';
import './webhook-endpoint.js';
import './trusted-documents.js';
import './api-key.js';
import { builder } from './builder.js';
import { withCheckedArguments } from './resolver-arguments.js';

export const schema = withCheckedArguments(builder.toSchema({ sortSchema: true }));
