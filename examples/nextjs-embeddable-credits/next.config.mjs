/** @type {import("next").NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // The gateway's packages come from ../../sdk/js (file: dependencies, copied by install-links).
  outputFileTracingRoot: import.meta.dirname,
};

export default nextConfig;
