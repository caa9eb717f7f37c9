"""Real-protocol peers for the test suite and the benchmarks alike (one copy, so neither has to
import the other): a fake Discord speaking API v10 (gateway + REST) to the unmodified discord.py
client, and a launcher for a real Synapse homeserver on loopback. Never shipped with the bot."""
