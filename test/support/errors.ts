import { TRPCClientError } from '@trpc/client';

/** The error a call fails with, for asserting its code, status and field issues; fails if the call succeeds. */
export async function failure(call: Promise<unknown>): Promise<TRPCClientError<any>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<any>;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** `OK`, or the tRPC code the call failed with. */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCClientError) return (error as TRPCClientError<any>).data?.code ?? 'UNKNOWN';
    throw error;
  }
}
