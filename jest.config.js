const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

// ES-module packages that jest must transform (see ../shared toolchain notes).
const esModules = [
  '@codemirror',
  '@marijn',
  '@microsoft',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyter/ydoc',
  '@jupyterlab/',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const base = jestJupyterLab(__dirname);

const shared = {
  moduleFileExtensions: base.moduleFileExtensions,
  moduleNameMapper: base.moduleNameMapper,
  resolver: base.resolver,
  transform: base.transform,
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`],
  modulePathIgnorePatterns: [
    '<rootDir>/jupyterlab_hub_credits',
    '<rootDir>/.venv',
    '<rootDir>/lib'
  ]
};

module.exports = {
  collectCoverageFrom: [
    'src/**/*.{ts,tsx}',
    '!src/**/*.d.ts',
    '!src/__tests__/**'
  ],
  coverageReporters: ['text-summary'],
  testTimeout: 10000,
  projects: [
    {
      // JupyterLab widgets on jsdom, with the testutils shims; the client
      // and the stop run on it too (their network is a fake `fetch`).
      ...shared,
      displayName: 'dom',
      setupFiles: base.setupFiles,
      testEnvironment: base.testEnvironment,
      testRegex: 'src/__tests__/.*\\.spec\\.tsx?$'
    }
  ]
};
