import type { UserConfigExport } from '@tarojs/cli'

export default {
  logger: { quiet: false, stats: true },
  mini: {},
  h5: {
    // Source maps without eval(): the reference server serves this build under a
    // Content-Security-Policy that forbids eval, as a production server should.
    sourceMapType: 'cheap-module-source-map',
  },
} satisfies UserConfigExport<'webpack5'>
