// Vite bundles the browser code (src/main.js and what it imports: Leaflet,
// ECharts, the style sheet) into ../internal/web/dist/assets/app-HASH.{js,css}
// and writes dist/.vite/manifest.json, which the Go binary embeds and reads
// to name the files in its pages. A name changes whenever its content does,
// so the server lets browsers keep them for a year; compress.mjs then writes
// each file's gzip and brotli forms beside it.
import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../internal/web/dist', import.meta.url)),
    emptyOutDir: true,
    manifest: true,
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: fileURLToPath(new URL('./src/main.js', import.meta.url)),
      output: {
        entryFileNames: 'assets/app-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: (info) => {
          const name = (info.names && info.names[0]) || info.name || ''
          return name.endsWith('.css') ? 'assets/app-[hash].css' : 'assets/[name]-[hash][extname]'
        },
      },
    },
  },
})
