// Thrown (never constructed per use) to abandon the current instruction after a
// synchronous interrupt has been set up in the architectural state. The run loop
// catches it and continues at the interrupt vector.
export const FAULT: { readonly guestFault: true } = Object.freeze({ guestFault: true as const });

export function isFault(e: unknown): boolean {
  return e === FAULT;
}
