// Flat ESLint config: typescript-eslint's recommended rules (syntax only, so lint
// stays fast on a 2-core machine), strict about `any` inside the emulator.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['node_modules/', 'dist/', 'out/', '.cache/', 'test-artifacts/', 'coverage/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // Outside emulator/ an `any` at an untyped boundary is tolerated, visibly.
      '@typescript-eslint/no-explicit-any': 'warn',
      // Interpreter loops are written `for (;;)` on purpose.
      'no-constant-condition': ['error', { checkLoops: false }],
      // The run loop catches the FAULT sentinel and moves on.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Hot interpreter paths alias `this` into a local on purpose.
      '@typescript-eslint/no-this-alias': 'off',
      'preserve-caught-error': 'warn',
    },
  },
  {
    files: ['emulator/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,js}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
