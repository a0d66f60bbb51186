"""End users' money: customers and their wallets, the double-entry ledger, holds, the books check.
It imports the kernel (llmgateway's non-config modules); its one edge up is sessions_app's models
and errors for the session spend cap (holds, the books check), never a sessions_app service."""
