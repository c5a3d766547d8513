// compress.mjs writes, beside every file Vite built in internal/web/dist/assets,
// its gzip (.gz, level 9) and brotli (.br, quality 11) forms, so the server
// sends the smallest one the browser accepts without compressing per request.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync, brotliCompressSync, constants } from 'node:zlib'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../internal/web/dist/assets', import.meta.url))
for (const name of readdirSync(dir)) {
  if (name.endsWith('.gz') || name.endsWith('.br')) continue
  const body = readFileSync(join(dir, name))
  const gz = gzipSync(body, { level: 9 })
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
  writeFileSync(join(dir, name + '.gz'), gz)
  writeFileSync(join(dir, name + '.br'), br)
  console.log(`${name}: ${body.length} bytes, gzip ${gz.length}, brotli ${br.length}`)
}
