/**
 * Test-only fault injection ("failpoints"): off unless `VIEWERSHIP_FAILPOINT` names a point as `<name>@<n>`,
 * which then fires on the n-th time the code passes that point in this process. Lets a test kill a worker at
 * an exact step (e.g. while a checkpoint is being written) instead of at a random moment.
 */
const spec = /^([a-z-]+)@(\d+)$/.exec(process.env.VIEWERSHIP_FAILPOINT ?? '');
let passes = 0;

/** True when the configured failpoint is `name` and this is its n-th pass. */
export function failpoint(name: string): boolean {
  if (!spec || spec[1] !== name) return false;
  return ++passes === Number(spec[2]);
}
