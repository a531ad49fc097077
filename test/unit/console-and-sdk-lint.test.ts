import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

// SENSITIVE and SDK lint rules, proven on real ESLint with the project's own eslint.config.mjs
// (as layering-lint.test.ts does, in one child Node process: jest's sandbox refuses ESLint's
// import() of its config). In src/ the console is reached only through the redacting logger, and
// an SDK only through the analytics facade's binding.
const ROOT = join(__dirname, '..', '..')
const RULES = ['no-console', 'no-restricted-globals', 'no-restricted-properties']

const CASES: Record<string, { filePath: string; code: string }> = {
  pageLogsData: {
    filePath: 'src/pages/example/index.tsx',
    code: 'export function show(user: unknown) {\n  console.log(user)\n}\n',
  },
  serviceLogsError: {
    filePath: 'src/services/example.ts',
    code: "export function fail(error: unknown) {\n  console.error('failed', error)\n}\n",
  },
  consoleAliased: {
    filePath: 'src/security/example/example.ts',
    code: "const { warn } = console\nexport const report = (x: unknown) => warn('x', x)\n",
  },
  consoleThroughGlobalThis: {
    filePath: 'src/services/example.ts',
    code: 'export const show = (x: unknown) => globalThis.console.log(x)\n',
  },
  realtimeLogManager: {
    filePath: 'src/services/example.ts',
    code: "import Taro from '@tarojs/taro'\nexport const show = (x: string) => Taro.getRealtimeLogManager().info(x)\n",
  },
  wxRealtimeLogManager: {
    filePath: 'src/services/example.ts',
    code: 'declare const wx: { getRealtimeLogManager(): { error(line: string): void } }\nexport const show = (x: string) => wx.getRealtimeLogManager().error(x)\n',
  },
  theRealtimeLogItself: {
    filePath: 'src/security/sensitive/realtime-log.taro.ts',
    code: "import Taro from '@tarojs/taro'\nexport const write = (line: string) => Taro.getRealtimeLogManager().error(line)\n",
  },
  wxInTheRealtimeLog: {
    filePath: 'src/security/sensitive/realtime-log.taro.ts',
    code: 'declare const wx: { getRealtimeLogManager(): { error(line: string): void } }\nexport const write = (line: string) => wx.getRealtimeLogManager().error(line)\n',
  },
  consoleInTheRealtimeLog: {
    filePath: 'src/security/sensitive/realtime-log.taro.ts',
    code: 'export const write = (line: string) => console.error(line)\n',
  },
  logManagerInTheRealtimeLog: {
    filePath: 'src/security/sensitive/realtime-log.taro.ts',
    code: "import Taro from '@tarojs/taro'\nexport const write = (line: string) => Taro.getLogManager({ level: 0 }).log(line)\n",
  },
  sdkFromTheRealtimeLog: {
    filePath: 'src/security/sensitive/realtime-log.taro.ts',
    code: "import Taro from '@tarojs/taro'\nexport const send = () => Taro.reportEvent('x', {})\n",
  },
  loggerUsed: {
    filePath: 'src/pages/example/index.tsx',
    code: "import { logger } from '../../security/sensitive/logger'\nexport const show = () => logger.warn('x', { status: 1 })\n",
  },
  theLoggerItself: {
    filePath: 'src/security/sensitive/logger.ts',
    code: 'export const write = (message: string) => console.warn(message)\n',
  },
  sdkFromAPage: {
    filePath: 'src/more/pages/example/index.tsx',
    code: "import Taro from '@tarojs/taro'\nexport const chosen = (city: string) => Taro.reportEvent('city_selected', { city })\n",
  },
  wxAnalyticsFromAService: {
    filePath: 'src/services/example.ts',
    code: "declare const wx: { reportAnalytics(id: string, data: object): void }\nexport const send = () => wx.reportAnalytics('x', {})\n",
  },
  sdkFromTheBinding: {
    filePath: 'src/services/app-analytics.ts',
    code: "import Taro from '@tarojs/taro'\nexport const send = (id: string, data: Record<string, string>) => Taro.reportEvent(id, data)\n",
  },
  consoleInTheBinding: {
    filePath: 'src/services/app-analytics.ts',
    code: 'export const send = (x: unknown) => console.log(x)\n',
  },
  sdkFromTheLogger: {
    filePath: 'src/security/sensitive/logger.ts',
    code: "declare const wx: { reportEvent(id: string, data: object): void }\nexport const send = () => wx.reportEvent('x', {})\n",
  },
  testsMayUseTheConsole: {
    filePath: 'test/unit/example.test.ts',
    code: "console.log('debugging a test')\n",
  },
}

let messages: Record<string, string[]>

beforeAll(() => {
  const script = `
    const { ESLint } = require('eslint')
    const [cases, rules] = JSON.parse(process.argv[1])
    const eslint = new ESLint({ cwd: process.cwd() })
    ;(async () => {
      const out = {}
      for (const [name, { filePath, code }] of Object.entries(cases)) {
        const [result] = await eslint.lintText(code, { filePath })
        out[name] = result.messages.filter((m) => rules.includes(m.ruleId)).map((m) => m.message)
      }
      process.stdout.write(JSON.stringify(out))
    })().catch((error) => { console.error(error); process.exit(1) })
  `
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify([CASES, RULES])], {
    cwd: ROOT,
  })
  messages = JSON.parse(output.toString()) as Record<string, string[]>
}, 60_000)

const LOGGER_MESSAGE = 'log through the redacting logger'
const FACADE_MESSAGE = 'only the analytics facade'

test.each([
  ['console.log of data in a page', 'pageLogsData'],
  ['console.error in a service', 'serviceLogsError'],
  ['the console taken apart in security code', 'consoleAliased'],
  ['globalThis.console', 'consoleThroughGlobalThis'],
  ["WeChat's realtime log", 'realtimeLogManager'],
  ["wx's realtime log", 'wxRealtimeLogManager'],
  ['console in the realtime log sink', 'consoleInTheRealtimeLog'],
  ["WeChat's other log in the realtime log sink", 'logManagerInTheRealtimeLog'],
  ['console in the SDK binding', 'consoleInTheBinding'],
])('src/ may not log around the logger: %s', (_name, key) => {
  expect(messages[key]).toEqual([expect.stringContaining(LOGGER_MESSAGE)])
})

test.each([
  ['Taro.reportEvent from a page', 'sdkFromAPage'],
  ['wx.reportAnalytics from a service', 'wxAnalyticsFromAService'],
  ['wx.reportEvent from the logger', 'sdkFromTheLogger'],
  ['Taro.reportEvent from the realtime log sink', 'sdkFromTheRealtimeLog'],
])('src/ may not reach an SDK around the facade: %s', (_name, key) => {
  expect(messages[key]).toEqual([expect.stringContaining(FACADE_MESSAGE)])
})

test.each([
  ['the logger used from a page', 'loggerUsed'],
  ['the console inside the logger', 'theLoggerItself'],
  ['Taro.reportEvent inside the binding', 'sdkFromTheBinding'],
  ['Taro.getRealtimeLogManager inside the realtime log sink', 'theRealtimeLogItself'],
  ['wx.getRealtimeLogManager inside the realtime log sink', 'wxInTheRealtimeLog'],
  ['the console in tests', 'testsMayUseTheConsole'],
])('allowed: %s', (_name, key) => {
  expect(messages[key]).toEqual([])
})
