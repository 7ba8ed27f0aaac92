"""Long workflows the conductor runs for the API: builds and resizes."""
