// Whole journeys through the real weapp build, a real HTTPS server per test file, and pages on
// Taro's H5 runtime under jsdom are slower than unit tests on a loaded 2-core machine (a CI run
// saw one page test take over 5 s). (Jest 29 ignores `testTimeout` inside `projects`.)
jest.setTimeout(30_000)
