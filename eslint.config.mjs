// ESLint flat config. Besides the usual TypeScript and React-hooks rules it enforces the
// project's layering: pages -> services -> security. Security code never imports pages,
// components or services, so a practice's folder can be lifted into another app on its own.
// It also keeps data in its lanes: the console only through the redacting logger (SENSITIVE),
// SDKs only through the analytics facade (SDK). test/unit/layering-lint.test.ts and
// test/unit/console-and-sdk-lint.test.ts prove each rule fires.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Import patterns the security layer must not use (relative paths and the `@/` alias). */
export const SECURITY_FORBIDDEN_IMPORTS = [
  {
    group: ['**/pages', '**/pages/**', '@/pages', '@/pages/**'],
    message: 'src/security must not import pages: imports flow pages -> services -> security.',
  },
  {
    group: ['**/services', '**/services/**', '@/services', '@/services/**'],
    message: 'src/security must not import services: imports flow pages -> services -> security.',
  },
  {
    group: ['**/components', '**/components/**', '@/components', '@/components/**'],
    message: 'src/security must not import UI components: keep practices free of the UI layer.',
  },
]

/** SENSITIVE: the one file that may write to the console: the redacting logger. */
export const LOGGER_FILE = 'src/security/sensitive/logger.ts'
/** SENSITIVE: the one file that may write to WeChat's realtime log (it scrubs every line). */
export const REALTIME_LOG_FILE = 'src/security/sensitive/realtime-log.taro.ts'
/** SDK: the one file that may hand data to an SDK: the analytics facade's platform binding. */
export const SDK_BINDING_FILE = 'src/services/app-analytics.ts'

const USE_THE_LOGGER =
  'SENSITIVE: log through the redacting logger (src/security/sensitive/logger.ts), never the console.'
const USE_THE_FACADE =
  'SDK: only the analytics facade (src/services/analytics.ts) may send events to an SDK.'

/** Ways around the console rule, and WeChat's own log sinks (searchable by the user's OpenID). */
export const LOG_SINK_PROPERTIES = [
  ...['globalThis', 'window', 'self'].map((object) => ({
    object,
    property: 'console',
    message: USE_THE_LOGGER,
  })),
  ...['Taro', 'wx'].flatMap((object) =>
    ['getRealtimeLogManager', 'getLogManager'].map((property) => ({
      object,
      property,
      message: USE_THE_LOGGER,
    })),
  ),
]

/** The analytics APIs an SDK receives data through. */
export const SDK_PROPERTIES = ['Taro', 'wx'].flatMap((object) =>
  ['reportEvent', 'reportAnalytics'].map((property) => ({
    object,
    property,
    message: USE_THE_FACADE,
  })),
)

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-h5/',
      'dist-test/',
      '.swc/',
      'test-results/',
      'coverage/',
      'test/weapp-harness/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Platform branches: `process.env.TARO_ENV === 'weapp'` written out where it is used. Taro
    // replaces it with a constant, and webpack then drops the other build's branch together with
    // what only it imports. Kept in a variable, both branches stay: the H5 build once carried
    // WeChat-only APIs and a user-agent parser (15 KB, run at start-up) that way.
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "VariableDeclarator > MemberExpression[property.name='TARO_ENV'], VariableDeclarator > BinaryExpression > MemberExpression[property.name='TARO_ENV']",
          message:
            "Write `process.env.TARO_ENV === '...'` where it is used, not in a variable: webpack drops the other platform's branch (and its imports) only then.",
        },
      ],
    },
  },
  {
    // The app: no console but through the redacting logger (any reference to the global
    // `console`, so `const { log } = console` is caught too), and no SDK but through the facade.
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-globals': ['error', { name: 'console', message: USE_THE_LOGGER }],
      'no-restricted-properties': ['error', ...LOG_SINK_PROPERTIES, ...SDK_PROPERTIES],
    },
  },
  {
    files: [LOGGER_FILE],
    rules: {
      'no-restricted-globals': 'off',
      'no-restricted-properties': ['error', ...SDK_PROPERTIES],
    },
  },
  {
    files: [REALTIME_LOG_FILE],
    rules: {
      'no-restricted-properties': [
        'error',
        ...SDK_PROPERTIES,
        ...LOG_SINK_PROPERTIES.filter((rule) => rule.property !== 'getRealtimeLogManager'),
      ],
    },
  },
  {
    files: [SDK_BINDING_FILE],
    rules: { 'no-restricted-properties': ['error', ...LOG_SINK_PROPERTIES] },
  },
  {
    files: ['src/security/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: SECURITY_FORBIDDEN_IMPORTS }],
    },
  },
  {
    files: ['src/services/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/pages', '**/pages/**', '@/pages/**'],
              message: 'services must not import pages.',
            },
            {
              group: ['**/components/**', '@/components/**'],
              message: 'services must not import UI components.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      '**/*.{js,mjs,cjs}',
      'config/**',
      'scripts/**',
      'test/**',
      'e2e/**',
      '*.config.{js,mjs,cjs,ts}',
    ],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
  },
  {
    files: ['**/*.{js,cjs}'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['types/**/*.d.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
)
