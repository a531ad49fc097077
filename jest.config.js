// Three Node-only test layers, each runnable alone (`jest --selectProjects <name>`):
//   unit        pure logic, the harness's own tests, lint rules     (node)
//   components  pages and components with @tarojs/test-utils-react  (jsdom, Taro's H5 runtime)
//   server      the reference API over real HTTPS on 127.0.0.1, and the app's HTTPS client,
//               signer and session service against it              (node, SQLite in a temp dir)
//   weapp       the real dist/ build in a simulated WeChat runtime   (node, needs build:weapp)
// The browser journeys have their own config: jest.e2e.config.js.
const defineJestConfig = require('@tarojs/test-utils-react/dist/jest.js').default

// Times on screen are shown in the device's zone; tests run in China's.
process.env.TZ = 'Asia/Shanghai'

const nodeTransform = {
  '^.+\\.(ts|tsx|js|mjs)$': [
    'babel-jest',
    {
      babelrc: false,
      configFile: false,
      presets: [
        ['@babel/preset-env', { targets: { node: 'current' } }],
        '@babel/preset-typescript',
        ['@babel/preset-react', { runtime: 'automatic' }],
      ],
    },
  ],
}

// bail/verbose are global options: keep them out of the project entry.
const { bail: _bail, verbose: _verbose, ...componentsPreset } = defineJestConfig({})

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/weapp-harness/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/weapp-harness/jest-setup.ts'],
      transform: nodeTransform,
    },
    {
      ...componentsPreset,
      displayName: 'components',
      testMatch: ['<rootDir>/test/components/**/*.test.{ts,tsx}'],
      setupFiles: [...componentsPreset.setupFiles],
      setupFilesAfterEnv: [
        '<rootDir>/test/components/setup.ts',
        '<rootDir>/test/slow-tests-setup.ts',
      ],
      // The preset's empty default makes babel compile jest itself; only Taro's ESM needs it.
      transformIgnorePatterns: [
        '<rootDir>/node_modules/(?!(@tarojs|@stencil|swiper|ssr-window|dom7|classnames|query-string|decode-uri-component|split-on-first|filter-obj)/)',
      ],
      transform: {
        ...componentsPreset.transform,
        '^.+\\.mjs$': componentsPreset.transform['^.+\\.(js|jsx|ts|tsx)$'],
      },
      moduleNameMapper: {
        ...componentsPreset.moduleNameMapper,
        '\\.(css|scss|less)$': '<rootDir>/test/components/style-stub.js',
        // Taro's H5 runtime imports lodash-es (ESM); the CommonJS build is the same code.
        '^lodash-es$': 'lodash',
        '^lodash-es/(.*)$': 'lodash/$1',
      },
    },
    {
      displayName: 'server',
      testEnvironment: 'node',
      setupFilesAfterEnv: ['<rootDir>/test/slow-tests-setup.ts'],
      testMatch: ['<rootDir>/server/test/**/*.test.ts', '<rootDir>/test/client/**/*.test.ts'],
      transform: nodeTransform,
    },
    {
      displayName: 'weapp',
      testEnvironment: 'node',
      setupFilesAfterEnv: [
        '<rootDir>/test/slow-tests-setup.ts',
        // A journey that leaves a program running fails its file (else jest may never exit).
        '<rootDir>/test/weapp-harness/jest-setup.ts',
      ],
      testMatch: ['<rootDir>/test/weapp/**/*.test.ts'],
      transform: nodeTransform,
    },
  ],
}
