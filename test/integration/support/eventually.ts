// Polls until an assertion passes or the time is up; the last failure is what the test shows.
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Asserts that a condition holds for the whole period (e.g. "nothing is written"). */
export async function holdsFor(check: () => Promise<void> | void, periodMs: number, intervalMs = 250): Promise<void> {
  const end = Date.now() + periodMs;
  while (Date.now() < end) {
    await check();
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
