"""The government information-resource catalog (政务信息资源目录): compile, cross-check (共享校核),
review, publish, search and count (大普查) every department's information resources."""
