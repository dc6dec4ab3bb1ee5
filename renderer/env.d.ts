// Vite bundles the stylesheets the renderer imports.
declare module '*.css';
