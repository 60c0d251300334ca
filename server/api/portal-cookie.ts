/** The portal's session cookie: set by `GET /portal/session/:token`, sent back only to `/portal`. */
export const PORTAL_COOKIE = 'herald_portal';
