// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import tseslint from 'typescript-eslint';

const chatSdks = ['@slack/*', 'discord.js', '@discordjs/*'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The hexagon: the core never sees a chat SDK or an adapter. main.ts is the composition root.
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: chatSdks, message: 'src/ must not import a chat SDK: put platform code in adapters/.' },
            { group: ['**/adapters/**'], message: 'src/ must not import adapters/ (only src/main.ts may).' },
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/slack/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/discord/**', '**/console/**', 'discord.js'], message: 'adapters never import each other.' },
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/discord/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/slack/**', '**/console/**', '@slack/*'], message: 'adapters never import each other.' },
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/console/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/slack/**', '**/discord/**', ...chatSdks], message: 'adapters never import each other.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  prettier,
);
