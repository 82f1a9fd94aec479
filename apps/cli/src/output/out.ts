/** Prints one line on stdout: what a command reports (progress and notes go to stderr). */
export const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
