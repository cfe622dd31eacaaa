"""Streamlit pages of the policy sandbox. They describe the interface and call ``sandbox`` only."""
