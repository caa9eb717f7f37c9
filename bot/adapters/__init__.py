"""Platform adapters: each turns specs, replies and actions into its platform's form."""
