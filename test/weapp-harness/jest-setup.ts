import { closeProgramsLeftOpen } from './mini-program'

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
