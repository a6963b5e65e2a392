import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The build is embedded into the `sluice` binary (server/dashboard_assets); the dev server
// proxies the API to a running `sluice serve` (SLUICE_SERVER, default http://127.0.0.1:8080).
export default defineConfig({
  plugins: [preact()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      '/v1': process.env.SLUICE_SERVER || 'http://127.0.0.1:8080',
    },
  },
});
