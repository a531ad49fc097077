import { closeProgramsLeftOpen, deepRenders } from './mini-program'

// A test file that leaves a mini program running leaves the build's timers running too (the kill
// switch's status watch, the report flush), and jest then never exits. Close what is left and
// fail the file, naming the pages, so the journey gets its own close().
afterAll(() => {
  const left = closeProgramsLeftOpen()
  if (left.length > 0) {
    throw new Error(
      `This test file left ${left.length} mini program(s) running (${left.join('; ')}): ` +
        'close every program a journey launches (program.close(), or afterEach(() => app?.close())).',
    )
  }
})

// Taro renders nodes nested deeper than config/index.ts's `baseLevel` through a recursive custom
// component: it works on WeChat, only more slowly. The level is the lowest at which no page of
// the journeys needs it (it keeps the main package small): a page that grows deeper fails here.
afterAll(() => {
  const deep = [...deepRenders].map(([route, times]) => `${route} (${times} renders)`)
  deepRenders.clear()
  if (deep.length > 0) {
    throw new Error(
      `Pages rendered deeper than Taro's baseLevel (config/index.ts): ${deep.join('; ')}. ` +
        'Flatten the page, or raise baseLevel and measure the main package (npm run bench).',
    )
  }
})
