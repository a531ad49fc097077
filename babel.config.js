// babel-preset-taro options: https://docs.taro.zone/docs/next/babel-config
module.exports = {
  // hot: false: no React Fast Refresh in the H5 watch build. npm start serves that build from
  // the reference server (config/index.ts), which injects no refresh runtime: reload by hand.
  presets: [['taro', { framework: 'react', ts: true, compiler: 'webpack5', hot: false }]],
  // Class fields become plain `this.x = value` assignments instead of Object.defineProperty
  // calls through Babel's helpers. Our classes never shadow a setter with a field, where the two
  // differ; the main package is about 1.5 KB smaller for it (npm run bench).
  assumptions: { setPublicClassFields: true },
}
