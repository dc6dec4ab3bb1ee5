// How devices signal interrupts without knowing the interrupt controller behind them.
export interface IrqLine {
  /** Level-triggered sources: set or clear the line. */
  set(level: boolean): void;
  /** Edge/message sources (VIO, MSI): one event. */
  pulse(): void;
}

/** A line that goes nowhere (device not wired, or in unit tests). */
export const unconnectedIrq: IrqLine = {
  set() {},
  pulse() {},
};
