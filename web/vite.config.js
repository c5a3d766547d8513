// Vite bundles the browser code (src/main.js and what it imports: Leaflet,
// ECharts, the style sheet) into ../internal/web/dist/assets/app.{js,css},
// which the Go binary embeds. Names carry no hash: the server sets short
// cache lifetimes and the bundle changes only with the binary.
import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../internal/web/dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: fileURLToPath(new URL('./src/main.js', import.meta.url)),
      output: {
        entryFileNames: 'assets/app.js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: (info) => {
          const name = (info.names && info.names[0]) || info.name || ''
          return name.endsWith('.css') ? 'assets/app.css' : 'assets/[name][extname]'
        },
      },
    },
  },
})
