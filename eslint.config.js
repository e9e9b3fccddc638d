// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  {
    ignores: ["**/dist/**", "**/node_modules/**", "bench/results/**", "docker/.build/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.node },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-restricted-syntax": [
        "error",
        { selector: "ExportAllDeclaration", message: "List public exports explicitly (no export *)." },
      ],
    },
  },
  {
    // Libraries never write to stdout or stderr: stdout belongs to MCP messages.
    files: ["packages/protocol/src/**/*.ts", "packages/backend-pool/src/**/*.ts"],
    ignores: ["**/src/test/**"],
    rules: { "no-console": "error" },
  },
  {
    // Imports flow one way: gateway → backend-pool → protocol.
    files: ["packages/protocol/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["@mcpware/backend-pool", "@mcpware/gateway"] }],
    },
  },
  {
    files: ["packages/backend-pool/src/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["@mcpware/gateway"] }] },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/src/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-expressions": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
