// The router's type as the client sees it: every procedure with its input and output, without the server's context.
//
// `typeof appRouter` carries the server's context type (the kysely database, the Fastify logger, the Temporal
// gateway…), and the sub-routers repeat it. tRPC v11 procedures carry no context, so the client's router is rebuilt
// here from the procedures alone, under a root whose context is `object`. The build (`client/build.ts`) bundles this
// type into the package's one declaration file, written out in full, so that an app installing `@herald/client`
// needs neither the server's packages nor zod to type-check.
import type {
  AnyTRPCProcedure,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
  inferRouterInputs,
  inferRouterOutputs,
  inferTRPCClientTypes,
} from '@trpc/server';
import type { AppRouter as ServerRouter } from '../server/api/routers/index.js';

/** A procedure as the client needs it: its kind, input, output and error shape; no context, no route metadata. */
type ClientProcedure<P extends AnyTRPCProcedure> = P['_def'] extends {
  type: infer Type;
  $types: { input: infer Input; output: infer Output; errorShape: infer ErrorShape };
}
  ? Type extends 'query'
    ? TRPCQueryProcedure<{ input: Input; output: Output; errorShape: ErrorShape; meta: object }>
    : Type extends 'mutation'
      ? TRPCMutationProcedure<{ input: Input; output: Output; errorShape: ErrorShape; meta: object }>
      : TRPCSubscriptionProcedure<{ input: Input; output: Output; errorShape: ErrorShape; meta: object }>
  : never;

// Conditional types, so that their results are anonymous types: declaration emit then writes them out in full
// instead of naming the server's types.
type ClientRecord<R> = R extends unknown
  ? { [K in keyof R]: R[K] extends AnyTRPCProcedure ? ClientProcedure<R[K]> : ClientRecord<R[K]> }
  : never;
type ClientRoot<R extends { errorShape: unknown; transformer: unknown }> = R extends unknown
  ? { ctx: object; meta: object; errorShape: R['errorShape']; transformer: R['transformer'] }
  : never;

const inferred = <T>(): T => undefined as T;

/**
 * Never called. Its return type is inferred rather than written, which makes the declaration emit spell out every
 * procedure's input and output as plain types; `AppRouter` below is that type.
 */
export const clientRouter = () =>
  inferred<
    TRPCBuiltRouter<ClientRoot<inferTRPCClientTypes<ServerRouter>>, ClientRecord<ServerRouter['_def']['record']>>
  >();

/** Herald's API: every procedure, input and output of the server's router, which is what the typed client takes. */
export type AppRouter = ReturnType<typeof clientRouter>;

/** Every procedure's input, by path: `RouterInputs['webhooks']['create']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, by path: `RouterOutputs['deliveries']['list']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

// The client's router must describe exactly the server's procedures: `npm run typecheck` fails here otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type _SameInputs = Assert<Same<RouterInputs, inferRouterInputs<ServerRouter>>>;
type _SameOutputs = Assert<Same<RouterOutputs, inferRouterOutputs<ServerRouter>>>;
type _SameErrors = Assert<
  Same<inferTRPCClientTypes<AppRouter>['errorShape'], inferTRPCClientTypes<ServerRouter>['errorShape']>
>;
type _SameTransformer = Assert<
  Same<inferTRPCClientTypes<AppRouter>['transformer'], inferTRPCClientTypes<ServerRouter>['transformer']>
>;
