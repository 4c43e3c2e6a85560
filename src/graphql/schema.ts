// Importing each type file registers its types and root fields on the builder.
import './scalars.js';
import './account.js';
import './payment-intent.js';
import './checkout-session.js';
import './events.js';
import './webhook-endpoint.js';
import './trusted-documents.js';
import { builder } from './builder.js';

export const schema = builder.toSchema({ sortSchema: true });
