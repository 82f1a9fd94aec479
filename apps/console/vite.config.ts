import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The console is served by apps/api under /console/, next to the API it calls. */
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
