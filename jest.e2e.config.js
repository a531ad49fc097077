// Browser journeys: the H5 build in Debian's Chromium via playwright-core (npm run test:e2e).
// Screenshots land in test-results/screenshots/.
process.env.TZ = 'Asia/Shanghai'

module.exports = {
  displayName: 'e2e',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/e2e/**/*.e2e.ts'],
  testTimeout: 60_000,
  transform: {
    '^.+\\.ts$': [
      'babel-jest',
      {
        babelrc: false,
        configFile: false,
        presets: [
          ['@babel/preset-env', { targets: { node: 'current' } }],
          '@babel/preset-typescript',
        ],
      },
    ],
  },
}
