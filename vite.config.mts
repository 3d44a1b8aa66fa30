import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The board (src/web) built to dist/web and served by express under a CSP with `script-src 'self'`: the build
 * emits only external module scripts (no inline bootstrap). JSX goes through Vite 8's built-in Oxc transform
 * (automatic runtime); @vitejs/plugin-react is not used because npm cannot resolve its optional Babel peers next
 * to jest's Babel 7, and the production bundle needs nothing it adds beyond dev-time fast refresh.
 */
export default defineConfig({
  root: resolve(import.meta.dirname, 'src/web'),
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: resolve(import.meta.dirname, 'dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/socket.io': { target: 'http://127.0.0.1:3000', ws: true },
      '/admin': 'http://127.0.0.1:3000',
    },
  },
});
