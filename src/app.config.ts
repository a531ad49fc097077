export default defineAppConfig({
  // The main package: what a first launch and an incident need. WeChat downloads all of it
  // before the first page shows. The first page is the one WeChat opens.
  pages: ['pages/home/index', 'pages/maintenance/index'],
  // Pages a first launch does not need: a subpackage, downloaded when first opened...
  subPackages: [
    {
      root: 'more',
      pages: [
        'pages/city-picker/index',
        'pages/privacy-policy/index',
        'pages/privacy-center/index',
        'pages/collected-list/index',
        'pages/sharing-list/index',
      ],
    },
  ],
  // ...or earlier, in the background, once home is showing and the network is idle (any network:
  // the subpackage is small, and the user is likely to open one of its pages).
  preloadRule: {
    'pages/home/index': { network: 'all', packages: ['more'] },
  },
  // PERMISSION: the one location API the app uses, declared (WeChat refuses undeclared ones). The
  // fuzzy location excludes the precise APIs (declaring both is a compile error in WeChat).
  requiredPrivateInfos: ['getFuzzyLocation'],
  // Shown in WeChat's location prompt: at most 30 characters.
  permission: {
    'scope.userFuzzyLocation': { desc: '找出离你最近的城市，显示当地天气' },
  },
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#3a7bd5',
    navigationBarTitleText: '安心天气',
    navigationBarTextStyle: 'white',
    backgroundColor: '#eef3fa',
    // WeChat's default, written out for the web build: Taro's H5 router shows its own title bar
    // (title, back or home button) only when this says 'default' (src/app.css styles it).
    navigationStyle: 'default',
  },
})
