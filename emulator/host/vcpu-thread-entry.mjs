// Entry of a vCPU worker thread. Plain JavaScript so Node can start it without a loader;
// when the sources run as TypeScript (development, tests, `npm run vm`) it registers the
// tsx loader in this thread first (workers do not inherit the parent's module hooks).
const here = new URL('.', import.meta.url);
if (import.meta.url.endsWith('.mjs') && !process.env.PPCBOX_COMPILED) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('vcpu-thread.ts', here).href);
} else {
  await import(new URL('vcpu-thread.js', here).href);
}
