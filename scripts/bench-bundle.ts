// Part of `npm run bench`: the minified size of app code, measured the same way on every machine
// (esbuild bundles and minifies one entry; @tarojs/taro is left out: the bare template has it).
import { join, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'

const root = resolve(__dirname, '..')

/**
 * The builds replace crypto-js's passphrase-mode modules (EvpKDF, MD5) with a throwing stub
 * (config/index.ts); the figure does the same, so it counts what the app ships.
 */
const withoutPassphraseMode: Plugin = {
  name: 'crypto-js-no-passphrase',
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\/(evpkdf|md5)(\.js)?$/ }, (args) =>
      /[\\/]node_modules[\\/]crypto-js$/.test(args.resolveDir)
        ? { path: join(root, 'config', 'crypto-js-no-passphrase.js') }
        : undefined,
    )
  },
}

/**
 * Bytes of `entry` (TypeScript source, imports relative to the repo) bundled and minified for
 * `target`. The weapp build keeps `?.`, `??` and `**` as written (package.json's browserslist),
 * which es2020 matches; es2017 (the default, as the security core has always been measured)
 * rewrites them into longer code.
 */
export async function minifiedBytes(entry: string, target = 'es2017'): Promise<number> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    target,
    platform: 'neutral',
    mainFields: ['main'],
    external: ['@tarojs/taro', 'node:crypto', 'crypto'],
    plugins: [withoutPassphraseMode],
    logLevel: 'silent',
  })
  return result.outputFiles.reduce((sum, file) => sum + file.contents.length, 0)
}
