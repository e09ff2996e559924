"""The live scoreboard (issue 22, point 5): each agent's and account manager's commercial KPIs
of today against his goal, and the team leaderboard a manager can switch off
(docs/scoreboard.md). The arithmetic is ``analytics/scoreboard.py``."""
