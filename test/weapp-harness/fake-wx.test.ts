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
    expect(wx.getFuzzyLocation).toBeUndefined()
    expect(control.missing.has('getFuzzyLocation')).toBe(true)
    expect((wx.canIUse as (s: string) => boolean)('getFuzzyLocation')).toBe(false)
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
    const { wx, control } = createFakeWx()
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
