/** Runs `work(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop));
}
