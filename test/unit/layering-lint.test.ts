import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

// The lint rule that keeps imports flowing pages -> services -> security, proven on real ESLint
// with the project's own eslint.config.mjs. ESLint loads its config with import(), which jest's
// module sandbox refuses, so every case is linted in one child Node process.
const ROOT = join(__dirname, '..', '..')

const CASES: Record<string, { filePath: string; code: string }> = {
  securityImportsPage: {
    filePath: 'src/security/example/example.ts',
    code: "import Home from '../../pages/home'\nexport default Home\n",
  },
  securityImportsService: {
    filePath: 'src/security/example/example.ts',
    code: "import { CITIES } from '../../services/city-list'\nexport default CITIES\n",
  },
  securityImportsServiceByAlias: {
    filePath: 'src/security/example/example.ts',
    code: "import { CITIES } from '@/services/city-list'\nexport default CITIES\n",
  },
  securityImportsComponent: {
    filePath: 'src/security/example/example.ts',
    code: "import Icon from '../../components/weather-icon'\nexport default Icon\n",
  },
  securityImportsSecurityAndLibraries: {
    filePath: 'src/security/example/example.ts',
    code: "import { AppError } from '../app-error'\nimport { useState } from 'react'\nexport { AppError, useState }\n",
  },
  serviceImportsPage: {
    filePath: 'src/services/example.ts',
    code: "import Home from '../pages/home'\nexport default Home\n",
  },
  pageImportsService: {
    filePath: 'src/pages/example/index.tsx',
    code: "import { CITIES } from '../../services/city-list'\nexport default CITIES\n",
  },
}

let messages: Record<string, string[]>

beforeAll(() => {
  const script = `
    const { ESLint } = require('eslint')
    const cases = JSON.parse(process.argv[1])
    const eslint = new ESLint({ cwd: process.cwd() })
    ;(async () => {
      const out = {}
      for (const [name, { filePath, code }] of Object.entries(cases)) {
        const [result] = await eslint.lintText(code, { filePath })
        out[name] = result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
      }
      process.stdout.write(JSON.stringify(out))
    })().catch((error) => { console.error(error); process.exit(1) })
  `
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify(CASES)], {
    cwd: ROOT,
  })
  messages = JSON.parse(output.toString()) as Record<string, string[]>
}, 60_000)

test.each([
  ['a page', 'securityImportsPage', 'src/security must not import pages'],
  ['a service', 'securityImportsService', 'src/security must not import services'],
  [
    'a service by the @/ alias',
    'securityImportsServiceByAlias',
    'src/security must not import services',
  ],
  ['a UI component', 'securityImportsComponent', 'src/security must not import UI components'],
])('src/security may not import %s', (_name, key, message) => {
  expect(messages[key]).toHaveLength(1)
  expect(messages[key][0]).toContain(message)
})

test('src/security may import within security and from libraries', () => {
  expect(messages.securityImportsSecurityAndLibraries).toEqual([])
})

test('services may not import pages; pages may import services', () => {
  expect(messages.serviceImportsPage).toEqual([
    expect.stringContaining('services must not import pages.'),
  ])
  expect(messages.pageImportsService).toEqual([])
})
