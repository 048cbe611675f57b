"""Small in-repo fakes of the provider APIs we call, for tests, benchmarks and local demos."""
