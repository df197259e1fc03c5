/**
 * The modules in `functions/` register their functions when loaded (`app.http(...)`, `app.eventGrid(...)`), as
 * the Functions host requires. Outside the host, `@azure/functions` switches to test mode and says so with
 * `console.warn` once, then once more per registration it skips: five warnings at the top of `npm run demo`
 * that a user can do nothing about. The demo calls the handlers directly (the package's documented test mode),
 * so the registrations are not needed there.
 */

/** The two warnings `@azure/functions` prints in test mode (dist/azure-functions.js, `setProgrammingModel`, `generic`). */
const testModeWarnings = [
  /^WARNING: Failed to detect the Azure Functions runtime\. Switching "@azure\/functions" package to test mode/,
  /^WARNING: Skipping call to register function "[^"]*" because the "@azure\/functions" package is in test mode\.$/,
];

/**
 * Runs `load` (typically a dynamic `import()` of modules that import `functions/*.ts`) with those two
 * warnings dropped; every other `console.warn` passes through, and `console.warn` is restored afterwards. The
 * product is untouched: in the Functions host there is no test mode and no warning.
 * @param load - what to run while the filter is in place
 * @returns what `load` resolved to
 */
export async function withoutTestModeWarnings<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const [first] = args;
    if (args.length === 1 && typeof first === 'string' && testModeWarnings.some((re) => re.test(first)))
      return;
    warn(...args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
  }
}
