import { createFakeWx, STORAGE_LIMITS, WECHAT_REFERER } from './fake-wx'

type Result = Record<string, unknown>
type Api = (options?: Record<string, unknown>) => Promise<Result> | undefined

function api(wx: Record<string, unknown>, name: string): Api {
  return wx[name] as Api
}

/** Call an async API with callbacks, as WeChat code does, and collect what happened. */
function callWithCallbacks(wx: Record<string, unknown>, name: string, options: Result = {}) {
  const events: string[] = []
  return new Promise<{ events: string[]; result: Result }>((resolve) => {
    api(
      wx,
      name,
    )({
      ...options,
      success: (r: Result) => events.push(`success:${String(r.errMsg)}`),
      fail: (e: Result) => events.push(`fail:${String(e.errMsg)}`),
      complete: (r: Result) => {
        events.push('complete')
        resolve({ events, result: r })
      },
    })
  })
}

describe('async API conventions', () => {
  test('callbacks run after the call returns, success then complete', async () => {
    const { wx } = createFakeWx()
    let returned = false
    const done = callWithCallbacks(wx, 'getSetting')
    returned = true
    const { events } = await done
    expect(returned).toBe(true)
    expect(events).toEqual(['success:getSetting:ok', 'complete'])
  })

  test('without callbacks the API returns a Promise that rejects with errMsg', async () => {
    const { wx, control } = createFakeWx()
    await expect(api(wx, 'getSetting')()).resolves.toMatchObject({ errMsg: 'getSetting:ok' })
    control.failNext('getSetting', 'system error')
    await expect(api(wx, 'getSetting')()).rejects.toEqual({
      errMsg: 'getSetting:fail system error',
    })
  })

  test('failNext fails exactly one call, then the API works again', async () => {
    const { wx, control } = createFakeWx()
    control.failNext('showToast', 'busy')
    expect((await callWithCallbacks(wx, 'showToast', { title: 'a' })).events[0]).toBe(
      'fail:showToast:fail busy',
    )
    expect((await callWithCallbacks(wx, 'showToast', { title: 'b' })).events[0]).toBe(
      'success:showToast:ok',
    )
    expect(control.toasts).toEqual([{ api: 'showToast', title: 'b' }])
  })

  test('sync APIs throw an Error carrying the errMsg', () => {
    const { wx, control } = createFakeWx()
    control.failNext('setStorageSync', 'disk full')
    expect(() => (wx.setStorageSync as (k: string, v: unknown) => void)('k', 'v')).toThrow(
      'setStorageSync:fail disk full',
    )
  })

  test('calls are logged without their callbacks, unknown APIs are noted', async () => {
    const { wx, control } = createFakeWx()
    await callWithCallbacks(wx, 'showLoading', { title: '加载中' })
    expect(control.calls).toEqual([{ api: 'showLoading', options: { title: '加载中' } }])
    expect(wx.getBatteryInfo).toBeUndefined()
    expect(control.missing.has('getBatteryInfo')).toBe(true)
    expect((wx.canIUse as (s: string) => boolean)('getBatteryInfo')).toBe(false)
    expect((wx.canIUse as (s: string) => boolean)('getRandomValues')).toBe(true)
  })
})

describe('storage', () => {
  const set = (wx: Record<string, unknown>, key: unknown, value: unknown) =>
    (wx.setStorageSync as (k: unknown, v: unknown) => void)(key, value)
  const get = (wx: Record<string, unknown>, key: string) =>
    (wx.getStorageSync as (k: string) => unknown)(key)

  test('sync round trip stores a copy; a missing key reads as empty string', () => {
    const { wx } = createFakeWx({ storage: { seeded: 'yes' } })
    const value = { city: '北京', tags: ['a'] }
    set(wx, 'obj', value)
    value.tags.push('changed later')
    expect(get(wx, 'obj')).toEqual({ city: '北京', tags: ['a'] })
    expect(get(wx, 'seeded')).toBe('yes')
    expect(get(wx, 'missing')).toBe('')
  })

  test.each([
    ['empty key', '', 'x', 'setStorageSync:fail parameter error: key'],
    ['non-string key', 42, 'x', 'setStorageSync:fail parameter error: key'],
    [
      'item over 1 MB',
      'big',
      'x'.repeat(STORAGE_LIMITS.itemBytes),
      'setStorageSync:fail exceed storage item max length',
    ],
  ])('bad write: %s', (_name, key, value, errMsg) => {
    const { wx, control } = createFakeWx({ storage: { keep: 'me' } })
    expect(() => set(wx, key, value)).toThrow(errMsg)
    // Nothing already stored is lost.
    expect([...control.storage.keys()]).toEqual(['keep'])
  })

  test('the 10 MB total is enforced and earlier items survive', () => {
    const { wx, control } = createFakeWx()
    const chunk = 'x'.repeat(STORAGE_LIMITS.itemBytes - 100)
    for (let i = 0; i < 10; i++) set(wx, `k${i}`, chunk)
    expect(() => set(wx, 'k10', chunk)).toThrow('setStorageSync:fail exceed storage max size')
    expect(control.storage.size).toBe(10)
  })

  test('encrypt: true data reads back only with encrypt: true, with the lower limits', async () => {
    const { wx } = createFakeWx()
    await api(wx, 'setStorage')({ key: 'token', data: 'sealed', encrypt: true })
    await expect(api(wx, 'getStorage')({ key: 'token', encrypt: true })).resolves.toMatchObject({
      data: 'sealed',
    })
    // WeChat does not document this wording: each fake makes up its own.
    const mismatch = api(wx, 'getStorage')({ key: 'token' }) as Promise<unknown>
    await expect(mismatch).rejects.toHaveProperty(
      'errMsg',
      expect.stringMatching(/^getStorage:fail item [0-9a-f]{6} unreadable$/),
    )
    const chosen = createFakeWx({ storageMismatchWording: 'something else entirely' })
    await api(chosen.wx, 'setStorage')({ key: 'token', data: 'sealed', encrypt: true })
    await expect(api(chosen.wx, 'getStorage')({ key: 'token' })).rejects.toEqual({
      errMsg: 'getStorage:fail something else entirely',
    })
    await expect(
      api(
        wx,
        'setStorage',
      )({ key: 'big', data: 'x'.repeat(STORAGE_LIMITS.encryptedItemBytes), encrypt: true }),
    ).rejects.toEqual({ errMsg: 'setStorage:fail exceed storage item max length' })
    await expect(api(wx, 'getStorage')({ key: 'nothing' })).rejects.toEqual({
      errMsg: 'getStorage:fail data not found',
    })
  })
})

describe('settings, prompts, login, random bytes, network', () => {
  test('authorize asks once; a denied scope fails without asking again', async () => {
    // The user agreed to the privacy guide before: this test is about the scope prompt alone.
    const { wx, control } = createFakeWx({ privacy: { agreed: true } })
    const scope = 'scope.userFuzzyLocation'
    await expect(api(wx, 'getSetting')()).resolves.toMatchObject({ authSetting: {} })
    await expect(api(wx, 'authorize')({ scope })).rejects.toEqual({
      errMsg: 'authorize:fail auth deny',
    })
    expect(control.authSetting[scope]).toBe(false)
    control.promptAnswers[scope] = 'accept'
    await expect(api(wx, 'authorize')({ scope })).rejects.toEqual({
      errMsg: 'authorize:fail auth deny',
    })
    control.authSetting[scope] = true
    await expect(api(wx, 'authorize')({ scope })).resolves.toMatchObject({ errMsg: 'authorize:ok' })
  })

  test('login hands out queued codes, then fails', async () => {
    const { wx, control } = createFakeWx()
    control.loginCodes.push('code-1')
    await expect(api(wx, 'login')()).resolves.toMatchObject({ code: 'code-1' })
    await expect(api(wx, 'login')()).rejects.toEqual({ errMsg: 'login:fail network error' })
  })

  test('getRandomValues returns fresh bytes as an ArrayBuffer and checks its length', async () => {
    const { wx } = createFakeWx()
    const a = (await api(wx, 'getRandomValues')({ length: 32 })) as { randomValues: ArrayBuffer }
    const b = (await api(wx, 'getRandomValues')({ length: 32 })) as { randomValues: ArrayBuffer }
    expect(a.randomValues).toBeInstanceOf(ArrayBuffer)
    expect(a.randomValues.byteLength).toBe(32)
    expect(Buffer.from(a.randomValues).equals(Buffer.from(b.randomValues))).toBe(false)
    for (const length of [0, -1, 1.5, 4096, 'x']) {
      await expect(api(wx, 'getRandomValues')({ length })).rejects.toEqual({
        errMsg: 'getRandomValues:fail invalid length',
      })
    }
  })

  test('requests go to the programmed handler; without one they fail loudly', async () => {
    const { wx, control } = createFakeWx({ requestDomains: ['https://api.example.com'] })
    await expect(api(wx, 'request')({ url: 'https://api.example.com/v1/x' })).rejects.toEqual({
      errMsg: 'request:fail no request handler set in the fake wx',
    })
    control.onRequest((request) =>
      request.url.endsWith('/down') ? { fail: 'timeout' } : { statusCode: 200, data: { ok: true } },
    )
    await expect(
      api(wx, 'request')({ url: 'https://api.example.com/v1/x', method: 'post', data: { a: 1 } }),
    ).resolves.toMatchObject({
      statusCode: 200,
      data: { ok: true },
    })
    await expect(api(wx, 'request')({ url: 'https://api.example.com/down' })).rejects.toEqual({
      errMsg: 'request:fail timeout',
    })
    expect(control.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET'])
  })

  describe('wx.request sends what WeChat sends', () => {
    function recording(options: Parameters<typeof createFakeWx>[0] = {}) {
      const fake = createFakeWx({ requestDomains: ['https://api.example.com'], ...options })
      fake.control.onRequest(() => ({ statusCode: 204 }))
      return fake
    }

    test.each([
      ['GET without headers', { method: 'GET' }],
      ['a bodiless DELETE', { method: 'DELETE' }],
      ['a POST with a string body', { method: 'POST', data: '{"a":1}' }],
    ])('%s gets content-type: application/json', async (_name, options) => {
      const { wx, control } = recording()
      await api(wx, 'request')({ url: 'https://api.example.com/v1/x', ...options })
      expect(control.requests[0].header['content-type']).toBe('application/json')
    })

    test("the app's own content-type is kept, in whatever case it was written", async () => {
      const { wx, control } = recording()
      await api(
        wx,
        'request',
      )({
        url: 'https://api.example.com/v1/x',
        method: 'POST',
        header: { 'Content-Type': 'text/plain' },
        data: 'hi',
      })
      expect(control.requests[0].header).toMatchObject({ 'Content-Type': 'text/plain' })
      expect(control.requests[0].header['content-type']).toBeUndefined()
    })

    test('Referer is fixed and cannot be overridden; no Origin is sent', async () => {
      const { wx, control } = recording()
      await api(
        wx,
        'request',
      )({
        url: 'https://api.example.com/v1/x',
        header: { Referer: 'https://evil.example/', Origin: 'https://evil.example' },
      })
      const sent = control.requests[0].header
      expect(sent.referer).toBe(WECHAT_REFERER)
      expect(Object.keys(sent).filter((k) => /^(referer|origin)$/i.test(k))).toEqual(['referer'])
    })

    test('GET data goes into the query string; POST object data is sent as JSON', async () => {
      const { wx, control } = recording()
      await api(
        wx,
        'request',
      )({
        url: 'https://api.example.com/v1/x?a=1',
        data: { city: '北京', q: 'a b&c' },
      })
      await api(
        wx,
        'request',
      )({
        url: 'https://api.example.com/v1/x',
        method: 'POST',
        data: { city: '北京' },
      })
      expect(control.requests[0].url).toBe(
        'https://api.example.com/v1/x?a=1&city=%E5%8C%97%E4%BA%AC&q=a%20b%26c',
      )
      expect(control.requests[0].body).toBeUndefined()
      expect(control.requests[1].body).toBe('{"city":"北京"}')
    })

    test('the URL is sent percent-encoded, as a phone sends it', async () => {
      const { wx, control } = recording()
      await api(wx, 'request')({ url: 'https://api.example.com/v1/weather?cityId=北京 x' })
      expect(control.requests[0].url).toBe(
        'https://api.example.com/v1/weather?cityId=%E5%8C%97%E4%BA%AC%20x',
      )
    })

    test.each([
      ['http', 'http://api.example.com/v1/x'],
      ['another domain', 'https://other.example/v1/x'],
      ['another port', 'https://api.example.com:8443/v1/x'],
      ['not a URL', 'api.example.com/v1/x'],
    ])('%s is refused before anything is sent', async (_name, url) => {
      const { wx, control } = recording()
      await expect(api(wx, 'request')({ url })).rejects.toHaveProperty(
        'errMsg',
        expect.stringMatching(/^request:fail /),
      )
      expect(control.requests).toHaveLength(0)
    })
  })

  test('navigation fails the WeChat way when no page stack is running', async () => {
    const { wx } = createFakeWx()
    await expect(api(wx, 'navigateTo')({ url: '/pages/x/index' })).rejects.toEqual({
      errMsg: 'navigateTo:fail no page stack (harness not launched)',
    })
  })

  test('showModal answers as programmed', async () => {
    const { wx, control } = createFakeWx()
    await expect(api(wx, 'showModal')({ title: '确认？' })).resolves.toMatchObject({
      confirm: true,
    })
    control.modalAnswer = 'deny'
    await expect(api(wx, 'showModal')({ title: '确认？' })).resolves.toMatchObject({
      confirm: false,
      cancel: true,
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Privacy authorization, scopes and location: the fake must be as strict as WeChat.

const FUZZY = 'scope.userFuzzyLocation'
const PRIVACY_DENIED = 'privacy permission is not authorized'
const NOT_DECLARED =
  'fail the api need to be declared in the requiredPrivateInfos field in app.json/ext.json'

type Resolve = (answer: Record<string, unknown>) => void
type Listener = (resolve: Resolve, eventInfo: { referrer: string }) => void

/** Start a callback-style call and watch it: `outcome()` is undefined while it is pending. */
function start(wx: Record<string, unknown>, name: string, options: Result = {}) {
  let outcome: string | undefined
  let result: Result | undefined
  const done = new Promise<void>((resolve) => {
    api(
      wx,
      name,
    )({
      ...options,
      success: (r: Result) => {
        outcome = `success:${String(r.errMsg)}`
        result = r
      },
      fail: (e: Result) => {
        outcome = `fail:${String(e.errMsg)}`
        result = e
      },
      complete: () => resolve(),
    })
  })
  return { outcome: () => outcome, result: () => result, done }
}

/** Let every queued task run (the fake answers on later tasks). */
async function ticks(count = 5) {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/** A fake whose app.json declares getFuzzyLocation, with a listener that keeps every resolve. */
function withListener(options: Parameters<typeof createFakeWx>[0] = {}) {
  const fake = createFakeWx({ requiredPrivateInfos: ['getFuzzyLocation'], ...options })
  const heard: Array<{ resolve: Resolve; referrer: string }> = []
  const listener: Listener = (resolve, eventInfo) => {
    heard.push({ resolve, referrer: eventInfo.referrer })
  }
  ;(fake.wx.onNeedPrivacyAuthorization as (l: Listener) => void)(listener)
  return { ...fake, heard }
}

describe('privacy authorization', () => {
  test('getPrivacySetting: needs authorization until the user agrees; never when the console declares no data kinds', async () => {
    const { wx, control } = createFakeWx({ privacy: { contractName: '《安心天气隐私保护指引》' } })
    await expect(api(wx, 'getPrivacySetting')()).resolves.toEqual({
      needAuthorization: true,
      privacyContractName: '《安心天气隐私保护指引》',
      errMsg: 'getPrivacySetting:ok',
    })
    control.privacy.agreed = true
    await expect(api(wx, 'getPrivacySetting')()).resolves.toMatchObject({
      needAuthorization: false,
    })
    const undeclared = createFakeWx({ privacy: { declaresDataKinds: false } })
    await expect(api(undeclared.wx, 'getPrivacySetting')()).resolves.toMatchObject({
      needAuthorization: false,
    })
    // Nothing is asked either: a privacy API just runs.
    await expect(api(undeclared.wx, 'requirePrivacyAuthorize')()).resolves.toMatchObject({
      errMsg: 'requirePrivacyAuthorize:ok',
    })
    expect(undeclared.control.privacy.requests).toEqual([])
  })

  test('onNeedPrivacyAuthorization overrides: only the last listener hears, with the referrer', async () => {
    const { wx, control } = createFakeWx({ requiredPrivateInfos: ['getFuzzyLocation'] })
    const first: string[] = []
    const last: string[] = []
    const on = wx.onNeedPrivacyAuthorization as (l: Listener) => void
    on((_resolve, info) => first.push(info.referrer))
    on((resolve, info) => {
      expect(typeof resolve).toBe('function')
      last.push(info.referrer)
    })
    start(wx, 'requirePrivacyAuthorize')
    start(wx, 'getFuzzyLocation', { type: 'wgs84' })
    await ticks()
    expect(first).toEqual([])
    expect(last).toEqual(['requirePrivacyAuthorize', 'getFuzzyLocation'])
    expect(control.privacy.requests.map((r) => [r.referrer, r.state])).toEqual([
      ['requirePrivacyAuthorize', 'waiting'],
      ['getFuzzyLocation', 'waiting'],
    ])
    // WeChat has no offNeedPrivacyAuthorization: the fake does not invent one.
    expect(wx.offNeedPrivacyAuthorization).toBeUndefined()
  })

  test('agree without a tap on the agree button is rejected: a violation, and the API stays pending', async () => {
    const { wx, control, heard } = withListener()
    const call = start(wx, 'requirePrivacyAuthorize')
    await ticks()
    heard[0].resolve({ event: 'agree', buttonId: 'agree-btn' })
    await ticks()
    expect(call.outcome()).toBeUndefined()
    expect(control.privacy.agreed).toBe(false)
    expect(control.violations).toEqual([
      expect.objectContaining({ rule: 'agree-without-tap', api: 'requirePrivacyAuthorize' }),
    ])
    // A tap on another button does not count either.
    control.tapAgreeButton('other-btn')
    heard[0].resolve({ event: 'agree', buttonId: 'agree-btn' })
    await ticks()
    expect(call.outcome()).toBeUndefined()
    expect(control.violations.map((v) => v.rule)).toEqual([
      'agree-without-tap',
      'agree-without-tap',
    ])
  })

  test('a tap before the request does not count for it', async () => {
    const { wx, control, heard } = withListener()
    control.tapAgreeButton('agree-btn')
    control.privacy.agreed = false // e.g. the user removed the mini program from "recently used"
    const call = start(wx, 'requirePrivacyAuthorize')
    await ticks()
    heard[0].resolve({ event: 'agree', buttonId: 'agree-btn' })
    await ticks()
    expect(call.outcome()).toBeUndefined()
    expect(control.violations.map((v) => v.rule)).toEqual(['agree-without-tap'])
  })

  test('agree after a tap on the agree button is accepted; later calls need no authorization', async () => {
    const { wx, control, heard } = withListener()
    const call = start(wx, 'requirePrivacyAuthorize')
    await ticks()
    control.tapAgreeButton('agree-btn')
    heard[0].resolve({ event: 'agree', buttonId: 'agree-btn' })
    await call.done
    expect(call.outcome()).toBe('success:requirePrivacyAuthorize:ok')
    expect(control.privacy.agreed).toBe(true)
    expect(control.privacy.requests[0].state).toBe('agreed')
    expect(control.violations).toEqual([])
    await expect(api(wx, 'requirePrivacyAuthorize')()).resolves.toMatchObject({
      errMsg: 'requirePrivacyAuthorize:ok',
    })
    await expect(api(wx, 'getPrivacySetting')()).resolves.toMatchObject({
      needAuthorization: false,
    })
    expect(heard).toHaveLength(1)
  })

  test('the tap on the agree button records the agreement by itself', async () => {
    const { wx, control } = createFakeWx()
    control.tapAgreeButton('agree-btn')
    expect(control.privacy.agreed).toBe(true)
    await expect(api(wx, 'requirePrivacyAuthorize')()).resolves.toMatchObject({
      errMsg: 'requirePrivacyAuthorize:ok',
    })
  })

  test.each(['requirePrivacyAuthorize', 'getFuzzyLocation'])(
    'disagree makes %s fail with the documented wording',
    async (name) => {
      const { wx, control, heard } = withListener()
      const call = start(wx, name, { type: 'wgs84' })
      await ticks()
      expect(heard[0].referrer).toBe(name)
      heard[0].resolve({ event: 'disagree' })
      await call.done
      expect(call.outcome()).toBe(`fail:${name}:fail ${PRIVACY_DENIED}`)
      expect(control.privacy.agreed).toBe(false)
      expect(control.privacy.requests[0].state).toBe('disagreed')
      expect(control.violations).toEqual([])
    },
  )

  test('a resolve called again after the answer is a violation and changes nothing', async () => {
    const { wx, control, heard } = withListener()
    const call = start(wx, 'requirePrivacyAuthorize')
    await ticks()
    heard[0].resolve({ event: 'disagree' })
    control.tapAgreeButton('agree-btn')
    heard[0].resolve({ event: 'agree', buttonId: 'agree-btn' })
    await call.done
    expect(call.outcome()).toBe(`fail:requirePrivacyAuthorize:fail ${PRIVACY_DENIED}`)
    expect(control.violations).toEqual([
      expect.objectContaining({ rule: 'resolve-after-answer', api: 'requirePrivacyAuthorize' }),
    ])
  })

  test('exposureAuthorization only records that the popup showed; an unknown event is a violation', async () => {
    const { wx, control, heard } = withListener()
    const call = start(wx, 'requirePrivacyAuthorize')
    await ticks()
    heard[0].resolve({ event: 'exposureAuthorization' })
    heard[0].resolve({ event: 'accept' })
    await ticks()
    expect(call.outcome()).toBeUndefined()
    expect(control.privacy.requests[0]).toMatchObject({ exposed: true, state: 'waiting' })
    expect(control.violations.map((v) => v.rule)).toEqual(['resolve-invalid'])
  })

  test('two pending calls: each gets its own listener call and resolve, each answered once', async () => {
    const { wx, control, heard } = withListener()
    control.promptAnswers[FUZZY] = 'accept'
    const check = start(wx, 'requirePrivacyAuthorize')
    const locate = start(wx, 'getFuzzyLocation', { type: 'wgs84' })
    await ticks()
    expect(heard.map((h) => h.referrer)).toEqual(['requirePrivacyAuthorize', 'getFuzzyLocation'])
    expect(heard[0].resolve).not.toBe(heard[1].resolve)
    // Waiting for the user is not "busy": the harness can settle while the app's popup shows.
    expect(control.inFlight).toBe(0)
    expect(control.waitingForUser).toBe(2)
    control.tapAgreeButton('agree-btn')
    for (const { resolve } of heard) resolve({ event: 'agree', buttonId: 'agree-btn' })
    await Promise.all([check.done, locate.done])
    expect(check.outcome()).toBe('success:requirePrivacyAuthorize:ok')
    expect(locate.outcome()).toBe('success:getFuzzyLocation:ok')
    expect(control.violations).toEqual([])
    expect(control.waitingForUser).toBe(0)
  })

  test('with no listener WeChat shows its own popup: the user disagrees unless told otherwise, and it is recorded', async () => {
    const { wx, control } = createFakeWx()
    await expect(api(wx, 'requirePrivacyAuthorize')()).rejects.toEqual({
      errMsg: `requirePrivacyAuthorize:fail ${PRIVACY_DENIED}`,
    })
    control.privacy.ownPopupAnswer = 'agree'
    await expect(api(wx, 'requirePrivacyAuthorize')()).resolves.toMatchObject({
      errMsg: 'requirePrivacyAuthorize:ok',
    })
    expect(control.privacy.ownPopups).toEqual([
      { referrer: 'requirePrivacyAuthorize', answer: 'disagree' },
      { referrer: 'requirePrivacyAuthorize', answer: 'agree' },
    ])
    expect(control.privacy.agreed).toBe(true)
  })

  test('openPrivacyContract opens the contract', async () => {
    const { wx, control } = createFakeWx()
    await expect(api(wx, 'openPrivacyContract')()).resolves.toEqual({
      errMsg: 'openPrivacyContract:ok',
    })
    expect(control.privacy.contractOpens).toBe(1)
  })

  test('a listener that throws is recorded, and its request stays pending', async () => {
    const { wx, control } = createFakeWx()
    ;(wx.onNeedPrivacyAuthorization as (l: Listener) => void)(() => {
      throw new Error('listener broke')
    })
    const call = start(wx, 'requirePrivacyAuthorize')
    await ticks()
    expect(call.outcome()).toBeUndefined()
    expect(String(control.listenerErrors[0])).toContain('listener broke')
  })
})

describe('settings and scopes', () => {
  test('getSetting: absent = never asked, false = denied, true = granted', async () => {
    const { wx, control } = createFakeWx({
      requiredPrivateInfos: ['getFuzzyLocation'],
      privacy: { agreed: true },
    })
    const setting = async () =>
      ((await api(wx, 'getSetting')()) as { authSetting: Record<string, boolean> }).authSetting
    expect(await setting()).toEqual({})
    await expect(api(wx, 'getFuzzyLocation')({ type: 'wgs84' })).rejects.toEqual({
      errMsg: 'getFuzzyLocation:fail auth deny',
    })
    expect(await setting()).toEqual({ [FUZZY]: false })
    control.authSetting[FUZZY] = true
    expect(await setting()).toEqual({ [FUZZY]: true })
  })

  test('openSetting outside a tap handler fails; from a tap the user can flip a scope asked before', async () => {
    const { wx, control } = createFakeWx({ authSetting: { [FUZZY]: false } })
    await expect(api(wx, 'openSetting')()).rejects.toEqual({
      errMsg: 'openSetting:fail can only be invoked by user TAP gesture',
    })
    control.settingsPageChoices[FUZZY] = true
    control.settingsPageChoices['scope.camera'] = true // never asked: not on the settings page
    const opened = control.duringTap(() => api(wx, 'openSetting')())
    await expect(opened).resolves.toEqual({
      authSetting: { [FUZZY]: true },
      errMsg: 'openSetting:ok',
    })
    expect(control.authSetting).toEqual({ [FUZZY]: true })
    expect(control.settingsOpens).toBe(1)
    // The tap flag is synchronous: it is off again once the handler returned.
    expect(control.insideTap).toBe(false)
  })

  test('exitMiniProgram outside a tap handler fails; from a tap it exits', async () => {
    const { wx, control } = createFakeWx()
    await expect(api(wx, 'exitMiniProgram')()).rejects.toEqual({
      errMsg: 'exitMiniProgram:fail can only be invoked by user TAP gesture',
    })
    expect(control.exits).toBe(0)
    await expect(control.duringTap(() => api(wx, 'exitMiniProgram')())).resolves.toEqual({
      errMsg: 'exitMiniProgram:ok',
    })
    expect(control.exits).toBe(1)
  })

  test('the realtime log keeps what was written; past 5 KB or 200 calls it is a violation', () => {
    const { wx, control } = createFakeWx()
    const log = (
      wx as unknown as { getRealtimeLogManager(): Record<string, (...args: unknown[]) => void> }
    ).getRealtimeLogManager()
    log.error('[error] boom @ at f (app.js:1:2)')
    log.info('fine')
    expect(control.realtimeLog).toEqual([
      { level: 'error', args: ['[error] boom @ at f (app.js:1:2)'] },
      { level: 'info', args: ['fine'] },
    ])
    expect(control.violations).toEqual([])
    log.warn('x'.repeat(5 * 1024))
    expect(control.violations.map((v) => v.rule)).toEqual(['realtime-log-limit'])
  })

  test('authorize for the location scope is a privacy API too', async () => {
    const { wx, heard } = withListener()
    const call = start(wx, 'authorize', { scope: FUZZY })
    await ticks()
    expect(heard.map((h) => h.referrer)).toEqual(['authorize'])
    heard[0].resolve({ event: 'disagree' })
    await call.done
    expect(call.outcome()).toBe(`fail:authorize:fail ${PRIVACY_DENIED}`)
  })
})

describe('fuzzy location', () => {
  test('fails unless app.json declares getFuzzyLocation in requiredPrivateInfos', async () => {
    const { wx, control } = createFakeWx({ privacy: { agreed: true } })
    control.promptAnswers[FUZZY] = 'accept'
    await expect(api(wx, 'getFuzzyLocation')({ type: 'wgs84' })).rejects.toEqual({
      errMsg: `getFuzzyLocation:${NOT_DECLARED}`,
    })
    expect(control.scopePrompts).toEqual([])
  })

  test('allow: the first use prompts, the answer is remembered, the location is what the test set', async () => {
    const { wx, control } = createFakeWx({
      requiredPrivateInfos: ['getFuzzyLocation'],
      privacy: { agreed: true },
      location: { latitude: 30.66, longitude: 104.07 },
    })
    control.promptAnswers[FUZZY] = 'accept'
    await expect(api(wx, 'getFuzzyLocation')({ type: 'wgs84' })).resolves.toEqual({
      latitude: 30.66,
      longitude: 104.07,
      errMsg: 'getFuzzyLocation:ok',
    })
    control.location = { latitude: 39.9, longitude: 116.4 }
    await expect(api(wx, 'getFuzzyLocation')({ type: 'wgs84' })).resolves.toMatchObject({
      latitude: 39.9,
    })
    expect(control.authSetting[FUZZY]).toBe(true)
    expect(control.scopePrompts).toEqual([
      { scope: FUZZY, api: 'getFuzzyLocation', privacyCheckbox: false, answer: 'accept' },
    ])
  })

  test('deny: fails with auth deny and is not asked again', async () => {
    const { wx, control } = createFakeWx({
      requiredPrivateInfos: ['getFuzzyLocation'],
      privacy: { agreed: true },
    })
    control.promptAnswers[FUZZY] = 'deny'
    for (let i = 0; i < 2; i++) {
      await expect(api(wx, 'getFuzzyLocation')({ type: 'wgs84' })).rejects.toEqual({
        errMsg: 'getFuzzyLocation:fail auth deny',
      })
    }
    expect(control.authSetting[FUZZY]).toBe(false)
    expect(control.scopePrompts).toHaveLength(1)
  })

  test('timeout: the prompt stays open until the test answers it', async () => {
    const { wx, control } = createFakeWx({
      requiredPrivateInfos: ['getFuzzyLocation'],
      privacy: { agreed: true },
    })
    control.promptAnswers[FUZZY] = 'wait'
    const first = start(wx, 'getFuzzyLocation', { type: 'wgs84' })
    const second = start(wx, 'getFuzzyLocation', { type: 'wgs84' })
    await ticks(20)
    expect([first.outcome(), second.outcome()]).toEqual([undefined, undefined])
    expect(control.authSetting[FUZZY]).toBeUndefined()
    expect(control.inFlight).toBe(0)
    expect(control.waitingForUser).toBe(2)
    // One dialog for both calls.
    expect(control.scopePrompts).toEqual([
      { scope: FUZZY, api: 'getFuzzyLocation', privacyCheckbox: false, answer: 'waiting' },
    ])
    control.answerPrompt('accept')
    await Promise.all([first.done, second.done])
    expect([first.outcome(), second.outcome()]).toEqual([
      'success:getFuzzyLocation:ok',
      'success:getFuzzyLocation:ok',
    ])
    expect(() => control.answerPrompt('accept')).toThrow('No scope prompt is waiting')
  })

  test('fail: the prompt fails with a wording no app has seen, and nothing is remembered', async () => {
    const { wx, control } = createFakeWx({
      requiredPrivateInfos: ['getFuzzyLocation'],
      privacy: { agreed: true },
    })
    control.promptAnswers[FUZZY] = 'fail'
    await expect(api(wx, 'getFuzzyLocation')({ type: 'wgs84' })).rejects.toHaveProperty(
      'errMsg',
      expect.stringMatching(/^getFuzzyLocation:fail prompt [0-9a-f]{6} interrupted$/),
    )
    expect(control.authSetting[FUZZY]).toBeUndefined()
    const chosen = createFakeWx({
      requiredPrivateInfos: ['getFuzzyLocation'],
      privacy: { agreed: true },
      scopePromptFailWording: 'something else',
    })
    chosen.control.promptAnswers[FUZZY] = 'fail'
    await expect(api(chosen.wx, 'getFuzzyLocation')({ type: 'wgs84' })).rejects.toEqual({
      errMsg: 'getFuzzyLocation:fail something else',
    })
  })

  test('privacy comes first, then the scope prompt', async () => {
    const { wx, control, heard } = withListener()
    control.promptAnswers[FUZZY] = 'accept'
    const call = start(wx, 'getFuzzyLocation', { type: 'wgs84' })
    await ticks()
    expect(control.scopePrompts).toEqual([])
    control.tapAgreeButton('agree-btn')
    heard[0].resolve({ event: 'agree', buttonId: 'agree-btn' })
    await call.done
    expect(call.outcome()).toBe('success:getFuzzyLocation:ok')
    expect(control.privacyLog.map((entry) => entry.kind)).toEqual([
      'call', // onNeedPrivacyAuthorization
      'call', // getFuzzyLocation
      'listener',
      'agree-button-tap',
      'resolve',
      'scope-prompt',
      'scope-answer',
    ])
  })

  test('base library 3.4.2 path: the privacy checkbox sits in the scope prompt, the listener is not called', async () => {
    const { wx, control, heard } = withListener({ privacy: { checkboxInScopePrompt: true } })
    control.promptAnswers[FUZZY] = 'accept'
    await expect(api(wx, 'getFuzzyLocation')({ type: 'wgs84' })).resolves.toMatchObject({
      errMsg: 'getFuzzyLocation:ok',
    })
    expect(heard).toEqual([])
    expect(control.scopePrompts).toEqual([
      { scope: FUZZY, api: 'getFuzzyLocation', privacyCheckbox: true, answer: 'accept' },
    ])
    expect(control.privacy.agreed).toBe(true)
    expect(control.authSetting[FUZZY]).toBe(true)

    const denied = withListener({ privacy: { checkboxInScopePrompt: true } })
    denied.control.promptAnswers[FUZZY] = 'deny'
    await expect(api(denied.wx, 'getFuzzyLocation')({ type: 'wgs84' })).rejects.toEqual({
      errMsg: 'getFuzzyLocation:fail auth deny',
    })
    expect(denied.heard).toEqual([])
    expect(denied.control.privacy.agreed).toBe(false)
    expect(denied.control.authSetting[FUZZY]).toBe(false)
  })

  test.each([
    'getLocation',
    'startLocationUpdate',
    'startLocationUpdateBackground',
    'chooseLocation',
  ])('precise location: %s fails and is recorded as a violation', async (name) => {
    const { wx, control } = createFakeWx({
      requiredPrivateInfos: ['getFuzzyLocation'],
      privacy: { agreed: true },
    })
    await expect(api(wx, name)({ type: 'wgs84' })).rejects.toEqual({
      errMsg: `${name}:${NOT_DECLARED}`,
    })
    expect(control.violations).toEqual([
      expect.objectContaining({ rule: 'precise-location-api', api: name }),
    ])
  })

  test('onLocationChange is recorded as a violation and never calls back', async () => {
    const { wx, control } = createFakeWx()
    const heard: unknown[] = []
    ;(wx.onLocationChange as (l: (r: unknown) => void) => void)((r) => heard.push(r))
    await ticks()
    expect(heard).toEqual([])
    expect(control.violations.map((v) => [v.rule, v.api])).toEqual([
      ['precise-location-api', 'onLocationChange'],
    ])
    expect(control.privacyLog).toEqual([{ kind: 'call', api: 'onLocationChange' }])
  })
})

describe('clipboard (a privacy API, data kind Clipboard)', () => {
  test('setClipboardData: success then complete, the clipboard holds the text, WeChat shows its toast; recorded', async () => {
    const { wx, control } = createFakeWx({ privacy: { agreed: true, guideKinds: ['Clipboard'] } })
    const { events } = await callWithCallbacks(wx, 'setClipboardData', { data: '{"a":1}' })
    expect(events).toEqual(['success:setClipboardData:ok', 'complete'])
    expect(control.clipboard).toBe('{"a":1}')
    expect(control.toasts).toEqual([{ api: 'setClipboardData', title: '内容已复制' }])
    expect(control.calls).toEqual([{ api: 'setClipboardData', options: { data: '{"a":1}' } }])
    expect(control.privacyLog).toEqual([{ kind: 'call', api: 'setClipboardData' }])
    await expect(api(wx, 'getClipboardData')()).resolves.toEqual({
      data: '{"a":1}',
      errMsg: 'getClipboardData:ok',
    })
  })

  test.each([
    [undefined, 'Undefined'],
    [{ a: 1 }, 'Object'],
    [42, 'Number'],
  ])(
    'data %p is refused as WeChat refuses it: fail then complete, nothing copied',
    async (data, type) => {
      const { wx, control } = createFakeWx({ privacy: { agreed: true } })
      const { events } = await callWithCallbacks(wx, 'setClipboardData', { data })
      expect(events).toEqual([
        `fail:setClipboardData:fail parameter error: parameter.data should be String instead of ${type};`,
        'complete',
      ])
      expect(control.clipboard).toBe('')
      expect(control.toasts).toEqual([])
    },
  )

  test('fails when the privacy guide does not declare Clipboard, before anything is asked', async () => {
    const { wx, control, heard } = withListener({ privacy: { guideKinds: ['Location'] } })
    await expect(api(wx, 'setClipboardData')({ data: 'x' })).rejects.toEqual({
      errMsg: 'setClipboardData:fail api scope is not declared in the privacy agreement',
    })
    expect(heard).toEqual([])
    expect(control.clipboard).toBe('')
  })

  test('before the user agreed it raises onNeedPrivacyAuthorization; disagree fails it', async () => {
    const { wx, control, heard } = withListener({ privacy: { guideKinds: ['Clipboard'] } })
    const call = start(wx, 'setClipboardData', { data: 'export' })
    await ticks()
    expect(heard.map((h) => h.referrer)).toEqual(['setClipboardData'])
    expect(call.outcome()).toBeUndefined()
    heard[0].resolve({ event: 'disagree' })
    await call.done
    expect(call.outcome()).toBe(`fail:setClipboardData:fail ${PRIVACY_DENIED}`)
    expect(control.clipboard).toBe('')
  })

  test('after an agree on a tapped button it goes on and copies', async () => {
    const { wx, control, heard } = withListener()
    const call = start(wx, 'setClipboardData', { data: 'export' })
    await ticks()
    control.tapAgreeButton('agree-btn')
    heard[0].resolve({ event: 'agree', buttonId: 'agree-btn' })
    await call.done
    expect(call.outcome()).toBe('success:setClipboardData:ok')
    expect(control.clipboard).toBe('export')
    expect(control.violations).toEqual([])
  })
})
