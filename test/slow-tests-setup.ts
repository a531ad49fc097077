// Whole journeys through the real weapp build, and a real HTTPS server per test file, are slower
// than unit tests on a loaded 2-core machine. (Jest 29 ignores `testTimeout` inside `projects`.)
jest.setTimeout(30_000)
