/**
 * Runs an optimistic read-decide-write step again while it loses a concurrency race (an ETag or
 * resourceVersion that changed between its read and its write), at most `maxAttempts` times in all. Every
 * attempt reads afresh, so a retry decides on what the winner wrote. The one loop behind the key ledger's
 * sightings (Table storage 412/409) and the Secret writes (Kubernetes 409 `WriteConflict`).
 * @param maxAttempts - attempts in all (the first included)
 * @param lostRace - whether an error is a lost race (anything else is thrown at once)
 * @param step - reads, decides and writes; gets the attempt number (1 for the first)
 * @returns what the first attempt that did not lose a race returned
 * @throws the step's error when it is not a lost race, or the last lost race when attempts are spent
 */
export async function retryLostRaces<T>(
  maxAttempts: number,
  lostRace: (err: unknown) => boolean,
  step: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step(attempt);
    } catch (err) {
      if (!lostRace(err) || attempt >= maxAttempts) throw err;
    }
  }
}
