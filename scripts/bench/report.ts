// Benchmark output: results as `name value unit` lines on stdout (what closing notes
// quote and scripts parse); progress and details on stderr.
export interface Reporter {
  value(name: string, value: number, unit: string): void;
  note(msg: string): void;
}

export const consoleReporter: Reporter = {
  value(name, value, unit) {
    process.stdout.write(`${name} ${value} ${unit}\n`);
  },
  note(msg) {
    process.stderr.write(`# ${msg}\n`);
  },
};
