// babel-preset-taro options: https://docs.taro.zone/docs/next/babel-config
module.exports = {
  presets: [['taro', { framework: 'react', ts: true, compiler: 'webpack5' }]],
  // Class fields become plain `this.x = value` assignments instead of Object.defineProperty
  // calls through Babel's helpers. Our classes never shadow a setter with a field, where the two
  // differ; the main package is about 1.5 KB smaller for it (npm run bench).
  assumptions: { setPublicClassFields: true },
}
