import { defineConfig, type UserConfigExport } from '@tarojs/cli'
import { resolve } from 'node:path'
import TsconfigPathsPlugin from 'tsconfig-paths-webpack-plugin'
import webpack from 'webpack'
import devConfig from './dev'
import prodConfig from './prod'

// Both builds empty their output folder before writing, so weapp and H5 get separate roots.
// TARO_OUTPUT_ROOT (a folder under this one) lets tests build a variant without touching them.
const outputRoot =
  process.env.TARO_OUTPUT_ROOT || (process.env.TARO_ENV === 'h5' ? 'dist-h5' : 'dist')

/**
 * crypto-js's passphrase-mode modules (EvpKDF and the MD5 it uses) are replaced by a stub that
 * throws: the app never derives keys from passphrases, and the weak KDF should not ship
 * (config/crypto-js-no-passphrase.js says more). Only requests made from inside crypto-js match.
 */
function withoutCryptoJsPassphraseMode(chain: {
  plugin(name: string): { use(...args: unknown[]): unknown }
}) {
  const stub = resolve(__dirname, 'crypto-js-no-passphrase.js')
  chain.plugin('crypto-js-no-passphrase').use(webpack.NormalModuleReplacementPlugin, [
    /^\.\/(evpkdf|md5)(\.js)?$/,
    (resource: { context: string; request: string }) => {
      if (/[\\/]node_modules[\\/]crypto-js$/.test(resource.context)) resource.request = stub
    },
  ])
}

/**
 * Taro's webpackbar draws a progress bar (its 'fancy' reporter) that fills logs, `npm test` and
 * `npm start` with escape codes and redrawn lines. This reporter takes its place: one line when a
 * build ends ("✔ Webpack: Compiled successfully in 6.42s", which `npm start` waits for). Taro's
 * own reporter of warnings and errors stays.
 */
const ONE_LINE_PER_BUILD = {
  done({ state }: { state: { name: string; message: string; hasError?: boolean } }) {
    console.log(`${state.hasError ? '✖' : '✔'} ${state.name}: ${state.message}`)
  },
}
function withoutProgressBars(chain: {
  plugin(name: string): { tap(f: (args: Array<{ reporters?: unknown[] }>) => unknown[]): unknown }
}) {
  chain.plugin('webpackbar').tap(([options]) => [
    {
      ...options,
      reporters: (options?.reporters ?? []).map((reporter) =>
        reporter === 'fancy' ? ONE_LINE_PER_BUILD : reporter,
      ),
    },
  ])
}

/**
 * Taro writes a generic template for each level of node nesting, up to `baseLevel` (Taro's
 * default: 16), into the main package's base.wxml; a node nested deeper renders through a
 * recursive custom component (`comp`), which WeChat draws more slowly. Home, our deepest page,
 * needs 7 (its forecast's weather icons draw their drops without a wrapper to stay within it);
 * the weapp journeys fail a page that goes deeper (test/weapp-harness/jest-setup.ts). Every
 * level left out saves about 2.7 KB of the main package. The benchmark's bare template (TARO_SOURCE_ROOT) keeps Taro's default, as `taro init`
 * gives it.
 */
const BASE_LEVEL = 7

export default defineConfig<'webpack5'>(async (merge) => {
  const baseConfig: UserConfigExport<'webpack5'> = {
    projectName: 'anxin-weather',
    date: '2026-11-25',
    designWidth: 750,
    deviceRatio: {
      640: 2.34 / 2,
      750: 1,
      375: 2,
      828: 1.81 / 2,
    },
    // TARO_SOURCE_ROOT: the benchmark builds its bare-template fixture with this same config.
    sourceRoot: process.env.TARO_SOURCE_ROOT || 'src',
    outputRoot,
    plugins: [],
    defineConstants: {},
    copy: { patterns: [], options: {} },
    framework: 'react',
    compiler: 'webpack5',
    cache: { enable: false },
    mini: {
      ...(process.env.TARO_SOURCE_ROOT ? {} : { baseLevel: BASE_LEVEL }),
      postcss: {
        pxtransform: { enable: true, config: {} },
        cssModules: { enable: false },
      },
      webpackChain(chain) {
        chain.resolve.plugin('tsconfig-paths').use(TsconfigPathsPlugin)
        withoutCryptoJsPassphraseMode(chain)
        withoutProgressBars(chain)
      },
    },
    h5: {
      publicPath: '/',
      staticDirectory: 'static',
      output: {
        filename: 'js/[name].[contenthash:8].js',
        chunkFilename: 'js/[name].[contenthash:8].js',
      },
      miniCssExtractPluginOption: {
        ignoreOrder: true,
        filename: 'css/[name].[contenthash:8].css',
        chunkFilename: 'css/[name].[contenthash:8].css',
      },
      // The watch build (`npm run dev:h5`, `npm start`) writes dist-h5/ to disk for the reference
      // server to serve on the API's own https origin: one URL where everything works, under the
      // server's real Content-Security-Policy. The dev server's own page is not that URL, so it
      // injects no live-reload client (its socket would be another origin): reload by hand.
      devServer: {
        host: '127.0.0.1',
        port: 10086,
        devMiddleware: { writeToDisk: true },
        hot: false,
        liveReload: false,
        client: false,
        open: false,
      },
      postcss: {
        autoprefixer: { enable: true, config: {} },
        cssModules: { enable: false },
      },
      webpackChain(chain) {
        chain.resolve.plugin('tsconfig-paths').use(TsconfigPathsPlugin)
        withoutCryptoJsPassphraseMode(chain)
        withoutProgressBars(chain)
        // webpack's 244 KiB hint says nothing here: `npm run bench` measures the H5 build's
        // sizes against the bare template and the first render in Chromium.
        chain.performance.hints(false)
      },
    },
  }

  if (process.env.NODE_ENV === 'development') {
    return merge({}, baseConfig, devConfig)
  }
  return merge({}, baseConfig, prodConfig)
})
