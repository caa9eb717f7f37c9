"""Features. Each package is one cog: ``setup(core)`` returns the cog; see README."""
