// ESLint flat config. Besides the usual TypeScript and React-hooks rules it enforces the
// project's layering: pages -> services -> security. Security code never imports pages,
// components or services, so a practice's folder can be lifted into another app on its own.
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
    // The app: no console (one redacting logger arrives with SENSITIVE), no direct network.
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      'no-console': 'error',
    },
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
