/** Items in a page when the caller does not say, in every list over GraphQL and REST. */
export const DEFAULT_PAGE_SIZE = 20;

/** The largest page any list returns; a larger request is refused rather than silently capped. */
export const MAX_PAGE_SIZE = 100;
