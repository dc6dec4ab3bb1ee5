// Types for the functions tests import from scripts/test.mjs (plain Node, no build step).
export function npmStale(root: string): string;
export function guestUpToDate(root: string): boolean;
