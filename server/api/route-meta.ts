/**
 * What a procedure says about its REST route: the part of trpc-to-openapi's `OpenApiMeta` Herald uses.
 *
 * Declared here rather than imported because the router type travels with the typed client into other apps, and
 * trpc-to-openapi's typings pull in its adapters (express, koa, next, h3), which fail to compile in an app that
 * checks library types. `server/http/openapi-document.ts` checks at compile time that this still fits `OpenApiMeta`.
 * (A type alias, not an interface, so that it is assignable to the generator's `Record<string, unknown>` meta.)
 */
export type RouteMeta = {
  openapi?: {
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
    path: `/${string}`;
    summary?: string;
    description?: string;
    tags?: string[];
    protect?: boolean;
    successDescription?: string;
    errorResponses?: number[] | Record<number, string>;
  };
  /**
   * A subscription's REST route: server-sent events, which the generator cannot describe. The route is served by
   * hand (`server/http/attempt-stream-route.ts`) and `server/http/openapi-document.ts` documents it from this and
   * the procedure's input.
   */
  stream?: {
    method: 'GET';
    path: `/${string}`;
    summary: string;
    description: string;
    tags: string[];
  };
};
